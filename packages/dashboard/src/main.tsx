import "@fontsource/jetbrains-mono/latin-400.css";
import "@fontsource/jetbrains-mono/latin-700.css";
import "./ui/base.css";
import { ApiError } from "@orchestrator/sdk";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { type RouteObject, RouterProvider, createBrowserRouter, matchRoutes } from "react-router";
import { AuthGate, connect, resume } from "./app/auth.tsx";
import { forgetEarly } from "./app/early.ts";
import { NotFound } from "./app/errors.tsx";
import { LiveProvider } from "./app/live.tsx";
import { Shell } from "./app/shell.tsx";
import { Overview } from "./features/overview/page.tsx";
import { preopen } from "./features/session/log.ts";

// Pages other than the overview load when first opened, so the first page ships only what it needs.
const page = (load: () => Promise<{ Page: React.ComponentType }>) => async () => ({
  Component: (await load()).Page,
});

const routes: RouteObject[] = [
  {
    element: <Shell />,
    children: [
      { index: true, element: <Overview /> },
      { path: "sessions", lazy: page(() => import("./features/sessions/page.tsx")) },
      { path: "sessions/:id", lazy: page(() => import("./features/session/page.tsx")) },
      { path: "agents", lazy: page(() => import("./features/agents/page.tsx")) },
      { path: "agents/:id", lazy: page(() => import("./features/agents/diagnostics.tsx")) },
      { path: "plans", lazy: page(() => import("./features/plans/page.tsx")) },
      { path: "plans/:id", lazy: page(() => import("./features/plans/plan.tsx")) },
      { path: "projects", lazy: page(() => import("./features/projects/page.tsx")) },
      { path: "contexts", lazy: page(() => import("./features/context/list.tsx")) },
      { path: "contexts/:id", lazy: page(() => import("./features/context/page.tsx")) },
      { path: "webhooks", lazy: page(() => import("./features/webhooks/page.tsx")) },
      { path: "*", element: <NotFound /> },
    ],
  },
];

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will not get better by asking again; a network error might.
      retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 3,
    },
  },
});

// Before the first render, and all at once: the sign-in check (see resume()), the code of the page the
// link opened (so the router shows it at once, not the shell, then a wait, then the page), and for a
// session link its row and the first page of its log (so that render shows the page with rows, not a
// skeleton more renders fill). Neither throws: on an error the page asks again and shows it.
const signedIn = resume();
const id = sessionLink(window.location.pathname);
const code = Promise.all(
  (matchRoutes(routes, window.location) ?? []).map(async ({ route }) => {
    if (typeof route.lazy !== "function") return;
    Object.assign(route, await route.lazy());
    route.lazy = undefined;
  }),
);
const session = signedIn.then((s) => {
  if (!id || !s.me) return;
  const client = connect(s.key);
  return Promise.all([
    queries.prefetchQuery({ queryKey: ["session", id], queryFn: () => client.sessions.get(id) }),
    preopen(client, s.key, id, code),
  ]);
});
await code;
const router = createBrowserRouter(routes);
const initial = await signedIn;
await session;
forgetEarly();

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

/** The session id of a session page's path; a malformed escape is no session (the page then says so). */
function sessionLink(path: string): string | undefined {
  const raw = /^\/sessions\/([^/]+)\/?$/.exec(path)?.[1];
  try {
    return raw && decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
