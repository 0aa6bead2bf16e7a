// The server tests again, on the JavaScript engine (tftp.engine=js): both engines must pass
// the same cases, since `auto` picks either depending on whether the pump is built.
process.env.PBX_TFTP_TEST_ENGINE = 'js';
await import('./server.test.ts');
await import('./interop.test.ts');
