// Small DOM helpers the views share: escaping, tables, a section's status line and CSV button.
import { ApiError } from './api';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An accessible table: a caption-less grid with header cells; numbers right-aligned by CSS. */
export function table(head: string[], rows: string[][], foot?: string[]): string {
  const th = head.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('');
  const tf = foot ? `<tfoot><tr>${foot.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr></tfoot>` : '';
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody>${tf}</table></div>`;
}

/** Says what a view shows, or why it shows nothing; errors are announced to screen readers. */
export function status(el: HTMLElement, text: string, kind: 'info' | 'empty' | 'error' | 'ok' = 'info'): void {
  el.textContent = text;
  el.className = `status ${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError && err.code === 'read_only_key') return 'This key may not read that.';
  return err instanceof Error ? err.message : String(err);
}

/** Wires a section's CSV button to a download, reporting a failure in the section's status line. */
export function csvButton(button: HTMLButtonElement, statusEl: HTMLElement, download: () => Promise<void>): void {
  button.onclick = () => {
    button.disabled = true;
    download()
      .catch((err) => status(statusEl, `CSV: ${errorText(err)}`, 'error'))
      .finally(() => (button.disabled = false));
  };
}
