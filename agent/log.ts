// Logging: pino to stdout (the journal under systemd). Secrets never reach logs: every key
// that can carry one is redacted here, once, rather than trusted to each call site.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password', '*.password', '*.*.password',
  'sipPassword', '*.sipPassword', '*.*.sipPassword',
  'phonePassword', '*.phonePassword', '*.*.phonePassword',
  'secret', '*.secret', 'key', '*.key', 'token', '*.token',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
];

export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'pbx-agent' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that drops everything: for unit tests and the CLI. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
