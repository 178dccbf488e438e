/**
 * The rules of `describeEngines` that no browser run can show: a missing engine fails a CI run
 * and is skipped, with a message, anywhere else; `ENGINES` picks engines by name.
 */
import { describe, expect, it, vi } from 'vitest';
import { describeEngines, engineMissing, selectedEngines } from '../helpers/engines';

const NOWHERE = '/nonexistent/firefox';

describe('describeEngines', () => {
  it('fails under CI=true when an engine is missing, naming the engine and what to install', () => {
    expect(() => describeEngines('x', () => {}, { env: { CI: 'true', ENGINES: 'firefox', FIREFOX: NOWHERE } })).toThrow(
      /firefox: no executable Firefox at \/nonexistent\/firefox; CI=true.*apt-get install -y firefox-esr/,
    );
  });

  it('sees a binary that is there', () => {
    expect(engineMissing('firefox', { FIREFOX: process.execPath })).toBeUndefined();
    expect(engineMissing('chromium', { CHROMIUM: NOWHERE })).toMatch(/no executable Chromium/);
  });

  it('runs every engine by default and the named ones with ENGINES, refusing an unknown name', () => {
    expect(selectedEngines({})).toEqual(['chromium', 'firefox', 'webkit']);
    expect(selectedEngines({ ENGINES: 'webkit, chromium' })).toEqual(['chromium', 'webkit']);
    expect(() => selectedEngines({ ENGINES: 'safari' })).toThrow(/ENGINES: unknown engine "safari"/);
  });
});

describe('describeEngines outside CI with an engine missing', () => {
  // Suites are registered while this file is collected, so the warning is caught there too.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  describeEngines('x', () => {}, { env: { ENGINES: 'firefox', FIREFOX: NOWHERE } });
  const warned = warn.mock.calls.map((c) => String(c[0]));
  warn.mockRestore();

  it('registers the suite as skipped and says why, with what to install', () => {
    expect(warned).toEqual([
      expect.stringMatching(
        /^\[browser\] SKIPPED "firefox: x": no executable Firefox at .*apt-get install -y firefox-esr/,
      ),
    ]);
  });
});
