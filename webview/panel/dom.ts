// Tiny DOM builder for the panel: elements from tag + props + children, text always as textContent (user
// data such as file and class names is never parsed as HTML). Browser only; imported by webview/panel/*.

type Child = Node | string | null | undefined | false;

export interface Props {
  readonly class?: string;
  readonly id?: string;
  readonly title?: string;
  readonly [attr: `data-${string}`]: string | undefined;
  readonly [attr: `aria-${string}`]: string | undefined;
  readonly role?: string;
  readonly type?: string;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A CSS custom property of the current theme (VS Code sets them on the root element), with a fallback. */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}
