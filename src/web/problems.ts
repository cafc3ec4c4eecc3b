// The sentence for each problem a flow can return about a form field, in the page's language.
import type { AccountDetailsProblem } from '../flows/account-details.ts';
import { formatList, type MessageKey, ruleMessageKey } from '../i18n/index.ts';
import type { PageContext } from './views/context.ts';

export type FieldProblem = AccountDetailsProblem | { field: 'locale'; reason: 'invalid' };
type PlainProblem = Exclude<FieldProblem, { reason: 'policy' | 'reused' }>;
type ProblemKey<P> = P extends { field: infer F extends string; reason: infer R extends string } ? `${F}.${R}` : never;

// Every problem a flow can return has its sentence; a new reason without one fails the type check.
const problemKeys: Record<ProblemKey<PlainProblem>, MessageKey> = {
  'name.required': 'error.name.required',
  'name.too-long': 'error.name.too-long',
  'name.line-break': 'error.name.line-break',
  'name.invisible': 'error.name.invisible',
  'locale.invalid': 'error.locale.invalid',
  'current.required': 'error.current.required',
  'current.wrong': 'error.current.wrong',
  'current.step-up': 'error.current.step-up',
  'next.required': 'error.next.required',
  'next.same-as-current': 'error.next.same-as-current',
  'next.breached': 'error.next.breached',
  'confirm.required': 'error.confirm.required',
  'confirm.mismatch': 'error.confirm.mismatch',
};

/**
 * The errors of a refused form: each field's first problem beside it, and the summary at the top, in the
 * form's order, each line linked to its input (`inputs`: field → input id, in the order of the form).
 */
export function formErrors<Field extends string>(
  ctx: PageContext,
  problems: Array<FieldProblem & { field: Field }>,
  inputs: Record<Field, string>,
): { errors: Partial<Record<Field, string>>; summary: Array<{ field: string; message: string }> } {
  const errors: Partial<Record<Field, string>> = {};
  for (const problem of problems) errors[problem.field] ??= problemMessage(ctx, problem);
  const summary = (Object.keys(inputs) as Field[]).flatMap((field) => {
    const message = errors[field];
    return message ? [{ field: inputs[field], message }] : [];
  });
  return { errors, summary };
}

export function problemMessage(ctx: PageContext, problem: FieldProblem): string {
  if (problem.reason === 'policy') {
    const rules = problem.unmet.map((rule) => ctx.t(ruleMessageKey(rule, ctx.passwordPolicy)));
    // Inside a sentence the rules read in lower case: "…these rules: use a special character."
    return ctx.t('error.next.policy', {
      rules: formatList(
        ctx.locale,
        rules.map((rule) => rule.charAt(0).toLowerCase() + rule.slice(1)),
      ),
    });
  }
  if (problem.reason === 'reused')
    return problem.last === 1 ? ctx.t('error.next.reused-one') : ctx.t('error.next.reused', { count: problem.last });
  return ctx.t(problemKeys[`${problem.field}.${problem.reason}` as ProblemKey<PlainProblem>]);
}
