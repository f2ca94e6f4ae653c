import { useSyncExternalStore } from 'react';
import { CheckoutPage } from './CheckoutPage';
import { RedeemPage } from './RedeemPage';

const PAGES = {
  redeem: { label: 'Redeem', Page: RedeemPage },
  checkout: { label: 'Checkout', Page: CheckoutPage },
} as const;

type PageName = keyof typeof PAGES;

function isPageName(name: string): name is PageName {
  return Object.hasOwn(PAGES, name);
}

/** The page is chosen by the URL's fragment (#checkout), so that any static host serves every page from index.html. */
function currentPage(): PageName {
  const name = window.location.hash.slice(1);
  return isPageName(name) ? name : 'redeem';
}

function onHashChange(notify: () => void): () => void {
  window.addEventListener('hashchange', notify);
  return () => window.removeEventListener('hashchange', notify);
}

export function App() {
  const current = useSyncExternalStore(onHashChange, currentPage);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '28rem', margin: '4rem auto', padding: '0 1rem' }}>
      <nav style={{ display: 'flex', gap: '1rem' }}>
        {Object.entries(PAGES).map(([name, { label }]) => (
          <a key={name} href={`#${name}`} aria-current={name === current ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {/* Every page stays mounted, only hidden: a visit to another page must not drop the cart and its hold. */}
      {Object.entries(PAGES).map(([name, { Page }]) => (
        <div key={name} hidden={name !== current}>
          <Page />
        </div>
      ))}
    </main>
  );
}
