/**
 * The admin CLI's entry point (bin/claimcheck.js calls main). Every failure
 * ends as one line on stderr and a non-zero exit code: 2 for a bad command
 * line, 1 for anything else.
 */
import { CommanderError } from 'commander';
import { InvalidInput } from '../codes/errors';
import { ConfigError } from '../config/config';
import { CliFailure, type CliIo } from './io';
import { buildProgram } from './program';

const USAGE_ERROR = 2;
const FAILURE = 1;

/** The exit code, and the line to print (commander prints its own). */
function describeFailure(error: unknown): { exitCode: number; line: string | null } {
  if (error instanceof CommanderError) return { exitCode: error.exitCode === 0 ? 0 : USAGE_ERROR, line: null };
  if (error instanceof CliFailure) return { exitCode: error.exitCode, line: error.message };
  if (error instanceof InvalidInput) return { exitCode: USAGE_ERROR, line: error.message };
  if (error instanceof ConfigError) {
    return { exitCode: FAILURE, line: `bad configuration: ${error.problems.join('; ')}` };
  }
  return { exitCode: FAILURE, line: error instanceof Error ? error.message : String(error) };
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  try {
    await buildProgram(env, io).parseAsync([...argv]);
    return 0;
  } catch (error) {
    const { exitCode, line } = describeFailure(error);
    if (line !== null) io.stderr.write(`claimcheck: ${line}\n`);
    return exitCode;
  }
}
