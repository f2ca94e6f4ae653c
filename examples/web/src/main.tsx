import { ApolloClient, ApolloProvider, HttpLink, InMemoryCache } from '@apollo/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { graphqlEndpoint } from './endpoint';

const client = new ApolloClient({
  link: new HttpLink({ uri: graphqlEndpoint(window.location) }),
  cache: new InMemoryCache(),
});

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App />
    </ApolloProvider>
  </StrictMode>,
);
