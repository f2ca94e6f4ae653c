import { useId, useState, type FormEvent } from 'react';

export interface CodeFormProps {
  /** The button's text, which also names what the form does. */
  readonly action: string;
  readonly busy: boolean;
  readonly onSubmit: (code: string) => void;
  /** Called when the typed code changes: a new code is a new attempt. */
  readonly onChange?: () => void;
}

/** One code, typed as people type it: any case, with or without the hyphen; the server normalizes it. */
export function CodeForm({ action, busy, onSubmit, onChange }: CodeFormProps) {
  const [code, setCode] = useState('');
  // Every page has a code form, and every page stays mounted: ids must not collide.
  const inputId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSubmit(code);
  }

  return (
    <form onSubmit={submit} style={{ display: 'flex', gap: '0.5rem' }}>
      <label htmlFor={inputId} style={{ position: 'absolute', left: '-10000px' }}>
        Code
      </label>
      <input
        id={inputId}
        name="code"
        value={code}
        onChange={(event) => {
          setCode(event.target.value);
          onChange?.();
        }}
        placeholder="K7QM-2XHP"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        required
        style={{ flex: 1, fontSize: '1.25rem', padding: '0.5rem', letterSpacing: '0.1em' }}
      />
      <button type="submit" disabled={busy} style={BUTTON}>
        {action}
      </button>
    </form>
  );
}

export const BUTTON = { fontSize: '1.25rem', padding: '0.5rem 1rem' } as const;
