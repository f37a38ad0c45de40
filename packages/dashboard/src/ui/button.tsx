import type { ButtonHTMLAttributes } from "react";

/** The one button: variants and sizes are classes in base.css. */
export function Button({
  variant = "default",
  size = "md",
  className = "",
  type = "button",
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: "default" | "primary" | "danger" | "ghost";
  size?: "sm" | "md";
}) {
  const cls = ["btn", variant !== "default" && variant, size === "sm" && "sm", className].filter(Boolean);
  return <button type={type} className={cls.join(" ")} {...rest} />;
}
