/**
 * Admin calls over HTTP with the generated client's documents, for tests that
 * set up or inspect through the API what a page does in a browser.
 */
import { print, type DocumentNode } from 'graphql';
import { IssueCodeDocument, type IssueCodeInput, type IssueCodeMutation } from '../../client/generated/graphql';
import { graphql, type TestServer } from './server';

/** Runs `document` with the server's every-scope admin key; an answer without data is a failure. */
export async function adminRequest<T>(
  server: TestServer,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const { body } = await graphql<T>(server.graphqlUrl, { query: print(document), variables, key: server.adminKey });
  if (!body.data) throw new Error(`admin request failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Issues one code; its plaintext is returned here only. */
export async function issueCode(server: TestServer, input: IssueCodeInput): Promise<IssueCodeMutation['issueCode']> {
  return (await adminRequest<IssueCodeMutation>(server, IssueCodeDocument, { input })).issueCode;
}
