/** What every framework binding takes after `url`, as the core's constructor takes it. */
import type { Options } from '../index';

/**
 * The arguments after `url` as `[protocols, options]`: options second, without protocols, as the
 * constructor takes them (an object that is not an array, with nothing third).
 */
export const args = (
  protocols: string | string[] | Options | undefined,
  options: Options | undefined,
): [string | string[] | undefined, Options] =>
  !options && Object(protocols) === protocols && !Array.isArray(protocols)
    ? [undefined, protocols as Options]
    : [protocols as string | string[] | undefined, options || {}];
