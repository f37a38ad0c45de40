import "@fontsource/jetbrains-mono/latin-400.css";
import "@fontsource/jetbrains-mono/latin-700.css";
import "./ui/base.css";
import { ApiError } from "@orchestrator/sdk";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider, createBrowserRouter } from "react-router";
import { AuthGate } from "./app/auth.tsx";
import { NotFound } from "./app/errors.tsx";
import { LiveProvider } from "./app/live.tsx";
import { Shell } from "./app/shell.tsx";
import { Overview } from "./features/overview/page.tsx";

// Pages other than the overview load when first opened, so the first page ships only what it needs.
const page = (load: () => Promise<{ Page: React.ComponentType }>) => async () => ({
  Component: (await load()).Page,
});

// A session link opened cold: fetch its page's code while the app starts and signs in, not after.
if (/^\/sessions\/./.test(window.location.pathname)) void import("./features/session/page.tsx");

const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      { index: true, element: <Overview /> },
      { path: "sessions", lazy: page(() => import("./features/sessions/page.tsx")) },
      { path: "sessions/:id", lazy: page(() => import("./features/session/page.tsx")) },
      { path: "agents", lazy: page(() => import("./features/agents/page.tsx")) },
      { path: "agents/:id", lazy: page(() => import("./features/agents/diagnostics.tsx")) },
      { path: "projects", lazy: page(() => import("./features/projects/page.tsx")) },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will not get better by asking again; a network error might.
      retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 3,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <AuthGate>
        <LiveProvider>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthGate>
    </QueryClientProvider>
  </StrictMode>,
);
