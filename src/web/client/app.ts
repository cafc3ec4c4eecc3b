// Progressive enhancement, bundled by esbuild into /assets/app.js. Every page works without it; with it the
// rule note ticks live (the same core/password-policy.ts the server runs), passwords can be shown, the gear
// menu closes like a menu, moments read in the viewer's time zone, a page with errors puts the focus on
// their summary or first field in error, and the recovery codes can be copied and printed.
import { MOMENT_STYLE } from '../../core/locale.ts';
import { checkPassword, type PolicyProfile, type Rule } from '../../core/password-policy.ts';
import { enhancePasskeyForms } from './passkeys.ts';

function enhanceRuleNotes(): void {
  for (const note of document.querySelectorAll<HTMLElement>('[data-rule-note]')) {
    const input = document.getElementById(note.dataset.for ?? '') as HTMLInputElement | null;
    if (!input) continue;
    const profile = (note.dataset.policy ?? 'documented') as PolicyProfile;
    // A rule ticks as soon as it is met, but turns red only once the user has left the field (or submits):
    // nobody should be told "wrong" about the first characters of a password they are still typing.
    let judged = input.getAttribute('aria-invalid') === 'true';
    const update = () => {
      const unmet = new Set<Rule>(input.value === '' ? [] : checkPassword(input.value, { profile }).unmet);
      for (const item of note.querySelectorAll<HTMLElement>('[data-rule]')) {
        const missing = unmet.has(item.dataset.rule as Rule);
        const state = input.value === '' ? 'pending' : !missing ? 'met' : judged ? 'unmet' : 'pending';
        item.dataset.state = state;
        const label = item.querySelector<HTMLElement>('[data-rule-state]');
        if (label)
          label.textContent =
            state === 'met' ? `(${note.dataset.metLabel})` : state === 'unmet' ? `(${note.dataset.unmetLabel})` : '';
      }
    };
    input.addEventListener('input', update);
    input.addEventListener('blur', () => {
      judged = input.value !== '';
      update();
    });
    update();
  }
}

/**
 * The server wrote each moment in UTC; here it reads in the viewer's own zone, in the page's language, with
 * the zone's name ("GMT+13"), since the page says which zone it means either way.
 */
function localiseMoments(): void {
  const lang = document.documentElement.lang || undefined;
  const moment = new Intl.DateTimeFormat(lang, MOMENT_STYLE);
  // dateStyle and timeZoneName cannot be asked of one formatter.
  const zone = new Intl.DateTimeFormat(lang, { timeZoneName: 'short' });
  for (const element of document.querySelectorAll<HTMLTimeElement>('time[data-moment]')) {
    const at = Date.parse(element.dateTime);
    if (Number.isNaN(at)) continue;
    const zoneName = zone.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value;
    element.textContent = zoneName ? `${moment.format(at)} ${zoneName}` : moment.format(at);
  }
}

function enhancePasswordFields(): void {
  const { showPassword = 'Show password', hidePassword = 'Hide password' } = document.body.dataset;
  for (const wrapper of document.querySelectorAll<HTMLElement>('[data-password]')) {
    const input = wrapper.querySelector('input');
    if (!input) continue;
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'password-toggle';
    toggle.setAttribute('aria-controls', input.id);
    const render = (shown: boolean) => {
      toggle.setAttribute('aria-pressed', String(shown));
      toggle.setAttribute('aria-label', shown ? hidePassword : showPassword);
      toggle.dataset.shown = String(shown);
    };
    toggle.addEventListener('click', () => {
      const shown = input.type === 'password';
      input.type = shown ? 'text' : 'password';
      render(shown);
      input.focus();
    });
    render(false);
    wrapper.append(toggle);
    // A password never stays visible across a submit, where the browser could keep it in form history.
    input.form?.addEventListener('submit', () => {
      input.type = 'password';
    });
  }
}

function enhanceMenus(): void {
  for (const menu of document.querySelectorAll<HTMLDetailsElement>('details[data-menu]')) {
    const summary = menu.querySelector('summary');
    const sync = () => summary?.setAttribute('aria-expanded', String(menu.open));
    menu.addEventListener('toggle', sync);
    sync();
    menu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && menu.open) {
        menu.open = false;
        summary?.focus();
      }
    });
    document.addEventListener('click', (event) => {
      if (menu.open && !menu.contains(event.target as Node)) menu.open = false;
    });
    menu.addEventListener('focusout', (event) => {
      if (menu.open && !menu.contains(event.relatedTarget as Node | null) && event.relatedTarget !== null)
        menu.open = false;
    });
  }
}

function focusErrors(): void {
  // Without a summary (the log-in form's "enter your email address"), the first field in error takes the
  // focus, so its error, linked by aria-describedby, is read out instead of nothing at all.
  (
    document.querySelector<HTMLElement>('[data-error-summary]') ??
    document.querySelector<HTMLElement>('[aria-invalid="true"]')
  )?.focus();
}

/** A form the server marked to go on by itself (the logout an app proved was its own); without JavaScript, its button. */
function submitMarkedForms(): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-auto-submit]')) {
    const button = form.querySelector<HTMLButtonElement>('button[name][value]');
    form.requestSubmit(button ?? undefined);
  }
}

/** How long "Copied" stays on the Copy button. */
const COPIED_MS = 2000;

/**
 * The recovery codes' Copy and Print buttons, hidden without JavaScript (Download is a plain link): Copy
 * puts the codes on the clipboard, one per line, and says so for a moment; Print prints the page, which
 * the stylesheet's print rules reduce to the codes.
 */
function enhanceRecoveryCodes(): void {
  for (const block of document.querySelectorAll<HTMLElement>('[data-recovery-codes]')) {
    const copy = block.querySelector<HTMLButtonElement>('button[data-copy-codes]');
    // The clipboard is there in secure contexts only (https, or the loopback of development).
    if (copy && navigator.clipboard?.writeText) {
      const label = copy.textContent ?? '';
      // The button's new word is not read out by itself: a status beside it is.
      const status = document.createElement('span');
      status.className = 'visually-hidden';
      status.setAttribute('role', 'status');
      copy.after(status);
      let restore: ReturnType<typeof setTimeout> | undefined;
      copy.addEventListener('click', async () => {
        const codes = [...block.querySelectorAll('.code-list code')].map((code) => code.textContent?.trim() ?? '');
        try {
          await navigator.clipboard.writeText(codes.join('\n'));
        } catch {
          return; // Refused (no permission, page not focused): the codes stay on screen to copy by hand.
        }
        copy.textContent = copy.dataset.copied ?? label;
        status.textContent = copy.dataset.copied ?? '';
        clearTimeout(restore);
        restore = setTimeout(() => {
          copy.textContent = label;
          status.textContent = '';
        }, COPIED_MS);
      });
      copy.hidden = false;
    }
    const print = block.querySelector<HTMLButtonElement>('button[data-print]');
    if (print && typeof window.print === 'function') {
      print.addEventListener('click', () => window.print());
      print.hidden = false;
    }
  }
}

enhanceRuleNotes();
localiseMoments();
enhancePasswordFields();
enhanceMenus();
focusErrors();
submitMarkedForms();
enhanceRecoveryCodes();
enhancePasskeyForms();
