// What a submitted form may tell: its email and company/website fields and its id/name/action, nothing else.
import type { WireEvent } from '../../schemas/wire';

/** The form event's fields, or undefined for a form marked data-tl-ignore. */
export const captureForm = (form: HTMLFormElement): Partial<WireEvent> | undefined => {
  // getAttribute, not form.id/.name/.action: an input named "action" would shadow those properties.
  const attr = (name: string) => form.getAttribute(name) || undefined;
  if (form.hasAttribute('data-tl-ignore')) return;
  const x: Partial<WireEvent> = {
    f: { i: attr('id'), n: attr('name'), a: attr('action') },
    // A stage is [a-z_]: "Closed-Won" becomes closed_won rather than an event the Worker refuses.
    g: attr('data-tl-conversion')?.toLowerCase().replace(/[^a-z_]/g, '_').slice(0, 40),
  };
  for (const { type, name, id, value } of form.elements as unknown as HTMLInputElement[]) {
    // Text-like inputs only (a type no textarea, select, button, hidden or password field has), and
    // never 13 or more digits, spaces and dashes aside: a card number, whatever the field is called.
    if (value && /^(text|email|url)$/.test(type) && !/^[\d\s-]{13,}$/.test(value)) {
      if (/email/i.test(type + name + id)) value.includes('@') && (x.m ||= value);
      else if (/company|organi[sz]ation|website/i.test(name + id)) x.o ||= value;
    }
  }
  return x;
};
