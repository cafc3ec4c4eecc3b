// Progressive enhancement, bundled by esbuild into /assets/app.js. Every page works without it; with it the
// rule note ticks live (the same core/password-policy.ts the server runs), passwords can be shown, the gear
// menu closes like a menu, and a page with errors puts the focus on their summary or first field in error.
import { checkPassword, type PolicyProfile, type Rule } from '../../core/password-policy.ts';

function enhanceRuleNotes(): void {
  for (const note of document.querySelectorAll<HTMLElement>('[data-rule-note]')) {
    const input = document.getElementById(note.dataset.for ?? '') as HTMLInputElement | null;
    if (!input) continue;
    const profile = (note.dataset.policy ?? 'documented') as PolicyProfile;
    const update = () => {
      const unmet = new Set<Rule>(input.value === '' ? [] : checkPassword(input.value, { profile }).unmet);
      for (const item of note.querySelectorAll<HTMLElement>('[data-rule]')) {
        const state = input.value === '' ? 'pending' : unmet.has(item.dataset.rule as Rule) ? 'unmet' : 'met';
        item.dataset.state = state;
        const label = item.querySelector<HTMLElement>('[data-rule-state]');
        if (label)
          label.textContent =
            state === 'met' ? `(${note.dataset.metLabel})` : state === 'unmet' ? `(${note.dataset.unmetLabel})` : '';
      }
    };
    input.addEventListener('input', update);
    update();
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

enhanceRuleNotes();
enhancePasswordFields();
enhanceMenus();
focusErrors();
