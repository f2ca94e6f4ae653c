/** Where a page says how its last action went, in one line; screen readers announce it. */
export function Status({ text }: { readonly text: string }) {
  return (
    <p role="status" aria-live="polite" style={{ minHeight: '1.5em', fontSize: '1.1rem' }}>
      {text}
    </p>
  );
}
