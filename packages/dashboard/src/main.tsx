import "@fontsource/jetbrains-mono/latin-400.css";
import "@fontsource/jetbrains-mono/latin-700.css";
import "./ui/base.css";
import { ApiError } from "@orchestrator/sdk";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { type RouteObject, RouterProvider, createBrowserRouter, matchRoutes } from "react-router";
import { AuthGate, resume, storedKey } from "./app/auth.tsx";
import { NotFound } from "./app/errors.tsx";
import { LiveProvider } from "./app/live.tsx";
import { Shell } from "./app/shell.tsx";
import { Overview } from "./features/overview/page.tsx";
import { preopen } from "./features/session/log.ts";

// Pages other than the overview load when first opened, so the first page ships only what it needs.
const page = (load: () => Promise<{ Page: React.ComponentType }>) => async () => ({
  Component: (await load()).Page,
});

// Signed in (or not) before the first render (see resume()), asked at once.
const signedIn = resume();

const routes: RouteObject[] = [
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
];

// The page a link opened is loaded while the sign-in is checked, before the first render, so the router
// shows it at once: not the shell, then a wait, then the page.
for (const { route } of matchRoutes(routes, window.location) ?? [])
  if (typeof route.lazy === "function") {
    Object.assign(route, await route.lazy());
    route.lazy = undefined;
  }
// A session link opened cold: its log starts replaying now, while the app signs in and renders, not once
// its page has rendered. Not earlier: the server answers one thing at a time, and the page's code
// is worth more first.
const cold = /^\/sessions\/([^/]+)\/?$/.exec(window.location.pathname)?.[1];
if (cold) preopen(window.location.origin, storedKey(), decodeURIComponent(cold));
const router = createBrowserRouter(routes);

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will not get better by asking again; a network error might.
      retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 3,
    },
  },
});

const initial = await signedIn;
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <AuthGate initial={initial}>
        <LiveProvider>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthGate>
    </QueryClientProvider>
  </StrictMode>,
);
