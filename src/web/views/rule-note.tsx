// The note beside the password fields: the documentation's rules, ticked live by the browser script
// (web/client/app.ts runs the same core/password-policy.ts) and still readable without JavaScript.
import { noteRules } from '../../core/password-policy.ts';
import { ruleMessageKey } from '../../i18n/index.ts';
import type { PageContext } from './context.ts';
import { CheckIcon } from './icons.tsx';

export const RULE_NOTE_ID = 'password-rules';

export function RuleNote({ ctx, forField }: { ctx: PageContext; forField: string }) {
  const rules = noteRules(ctx.passwordPolicy);
  return (
    <aside
      class="rule-note"
      id={RULE_NOTE_ID}
      data-rule-note
      data-for={forField}
      data-policy={ctx.passwordPolicy}
      data-met-label={ctx.t('rules.met')}
      data-unmet-label={ctx.t('rules.unmet')}
    >
      <p class="rule-note-title">{ctx.t('rules.title')}</p>
      <ul>
        {rules.map((rule) => (
          <li data-rule={rule} data-state="pending">
            <CheckIcon />
            <span>{ctx.t(ruleMessageKey(rule, ctx.passwordPolicy))}</span>
            <span class="visually-hidden" data-rule-state />
          </li>
        ))}
      </ul>
    </aside>
  );
}
