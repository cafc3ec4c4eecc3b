// Form pieces with the accessibility wiring done once: labels, hints, errors linked by aria-describedby,
// aria-invalid, and a summary that takes focus so the errors are announced (SECURITY 10 for passwords).
import type { ComponentChildren } from 'preact';
import { AlertIcon, SuccessIcon } from './icons.tsx';

export type FieldErrors = Partial<Record<string, string>>;

interface InputProps {
  name: string;
  /** The input's id, when the page has several fields of one name (it is the name otherwise). */
  id?: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  describedBy?: string;
}

function describedBy(name: string, error: string | undefined, hint: string | undefined, extra: string | undefined) {
  const ids = [hint ? `${name}-hint` : '', error ? `${name}-error` : '', extra ?? ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function FieldFrame({ name: field, id, label, error, hint, children }: InputProps & { children: ComponentChildren }) {
  const name = id ?? field;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={name}>{label}</label>
      {hint && (
        <p class="hint" id={`${name}-hint`}>
          {hint}
        </p>
      )}
      {children}
      {error && (
        <p class="field-error" id={`${name}-error`}>
          <AlertIcon />
          <span>{error}</span>
        </p>
      )}
    </div>
  );
}

export function TextField(
  props: InputProps & {
    value: string;
    type?: 'text' | 'email';
    autocomplete: string;
    maxLength?: number;
    readOnly?: boolean;
    required?: boolean;
    /** 'numeric' for a code: phones show the digit pad. */
    inputMode?: 'numeric' | 'text';
  },
) {
  const { name, error, hint, value, type = 'text', autocomplete, maxLength, readOnly, required, inputMode } = props;
  const id = props.id ?? name;
  return (
    <FieldFrame {...props}>
      <input
        id={id}
        name={readOnly ? undefined : name}
        // Preact's input types branch on `type`; email and text take the same attributes.
        type={type as 'text'}
        value={value}
        autocomplete={autocomplete}
        maxLength={maxLength}
        readOnly={readOnly}
        required={required}
        inputMode={inputMode}
        autocapitalize={inputMode === undefined ? undefined : 'off'}
        spellcheck={false}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, error, hint, props.describedBy)}
      />
    </FieldFrame>
  );
}

/** Masked by default; the browser script adds a show/hide toggle. Never pre-filled. */
export function PasswordField(
  props: InputProps & { autocomplete: 'current-password' | 'new-password'; required?: boolean },
) {
  const { name, error, hint, autocomplete, required } = props;
  return (
    <FieldFrame {...props}>
      <div class="password-input" data-password>
        <input
          id={name}
          name={name}
          type="password"
          autocomplete={autocomplete}
          required={required}
          spellcheck={false}
          autocapitalize="off"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy(name, error, hint, props.describedBy)}
        />
      </div>
    </FieldFrame>
  );
}

export function ErrorSummary({ title, errors }: { title: string; errors: Array<{ field?: string; message: string }> }) {
  if (errors.length === 0) return null;
  return (
    <div class="banner banner-error" role="alert" tabIndex={-1} data-error-summary>
      <AlertIcon />
      <div>
        <p class="banner-title">{title}</p>
        <ul>
          {errors.map(({ field, message }) => (
            <li>{field ? <a href={`#${field}`}>{message}</a> : message}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}

export function Notice({ message }: { message: string }) {
  return (
    <div class="banner banner-success" role="status">
      <SuccessIcon />
      <p>{message}</p>
    </div>
  );
}

export function Alert({ message }: { message: string }) {
  return (
    <div class="banner banner-error" role="alert" tabIndex={-1} data-error-summary>
      <AlertIcon />
      <p>{message}</p>
    </div>
  );
}
