// Playwright for the GUI: Debian's Chromium (never a downloaded browser),
// one worker, and a webServer that starts the real stack — `servin serve`
// on a private root, a docker-registry, and the GUI with --no-window —
// through tests/e2e/gui/stack.py, which also serves a control endpoint
// (engine stop/start) on a port chosen here.
const { defineConfig } = require('@playwright/test');
const { execFileSync } = require('child_process');
const os = require('os');
const path = require('path');

const TOP = path.resolve(__dirname, '..', '..');

// Workers re-read this file: the main process picks the port once and
// hands it down through the environment.
if (!process.env.GUI_STACK_PORT) {
  process.env.GUI_STACK_PORT = execFileSync('/usr/bin/python3', ['-c',
    'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])']).toString().trim();
}
const port = process.env.GUI_STACK_PORT;
process.env.GUI_STACK_STATE = process.env.GUI_STACK_STATE || path.join(os.tmpdir(), `servin-gui-stack-${port}.json`);

module.exports = defineConfig({
  testDir: __dirname,
  testMatch: '*.spec.js',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60000,
  expect: { timeout: 10000 },
  reporter: [[path.join(__dirname, 'tap-reporter.js')]],
  outputDir: path.join(TOP, 'build', 'artifacts', 'playwright'),
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      // Playwright gives every launch a fresh, empty --user-data-dir itself.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: `/usr/bin/python3 ${TOP}/tests/e2e/gui/stack.py --state ${process.env.GUI_STACK_STATE} --control-port ${port}`,
    url: `http://127.0.0.1:${port}/ready`,
    timeout: 120000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15000 },
  },
});
