import type { ReactNode } from "react";

export function Card({
  title,
  action,
  children,
  className = "",
  pad = true,
  id,
}: {
  title?: ReactNode;
  action?: ReactNode;
  children: ReactNode;
  className?: string;
  pad?: boolean;
  id?: string;
}) {
  return (
    <section className={`card ${className}`} aria-labelledby={id && title ? `${id}-t` : undefined}>
      {(title || action) && (
        <header>
          {title && <h2 id={id ? `${id}-t` : undefined}>{title}</h2>}
          {action}
        </header>
      )}
      {pad ? <div className="body">{children}</div> : children}
    </section>
  );
}

export function PageHead({
  title,
  sub,
  children,
}: {
  title: ReactNode;
  sub?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <p>{sub}</p>}
      </div>
      {children && <div className="row">{children}</div>}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}
