/**
 * The requests of the NIC routes (xl network-attach and network-detach), parsed and checked before
 * the domain manager sees them: the body's vif specification in xl's syntax, and the NIC named in
 * the path by its devid or MAC.
 */
import { parseMac, parseNicSpec, type NicSpec, type RandomBytes } from '../toolstack/config/index.js';
import { ApiError } from './api_error.js';
import { deviceName, specComponents } from './device_requests.js';

/** The largest devid taken, as xl.cfg's `devid=` takes it (nine decimal digits). */
const DEVID_DIGITS = /^[0-9]{1,9}$/;

/**
 * `POST /domains/{ref}/nics`: `{ "spec": S }`, where S is a vif specification as an xl.cfg `vif`
 * entry holds it, or the list of components `xl network-attach` takes (each comma-separated as
 * parse_nic_config splits it, later keys overriding earlier ones); an empty list takes every
 * default. Without `devid=` the NIC gets `nextDevid` (libxl__device_nextid); without `mac=`, a
 * random MAC in Xen's OUI from `random`.
 */
export function parseNicAttach(body: unknown, o: { readonly nextDevid: number; readonly random: RandomBytes }): { nic: NicSpec; warnings: string[] } {
  const components = specComponents(body, { what: 'a vif specification', minComponents: 0 });
  return parseNicSpec(components.join(','), { index: o.nextDevid, at: { source: 'spec' }, random: o.random });
}

/** What `DELETE /domains/{ref}/nics/{nic}` names: a devid, or a MAC (any segment with a colon, as xl network-detach decides). */
export type NicRef = { readonly devid: number; readonly name: string } | { readonly mac: string; readonly name: string };

/** `DELETE /domains/{ref}/nics/{nic}`: the NIC as xl network-detach names it, a devid (`1`) or a MAC (`00:16:3e:12:34:56`). */
export function parseNicDetach(segment: string): NicRef {
  const name = deviceName(segment, 'NIC');
  if (name.includes(':')) {
    const mac = parseMac(name);
    if (mac === undefined) throw new ApiError(400, `Invalid MAC address ${JSON.stringify(name)}: six groups of hex digits separated by colons`);
    return { mac, name };
  }
  if (!DEVID_DIGITS.test(name)) throw new ApiError(400, `Invalid NIC ${JSON.stringify(name)}: give its devid (a decimal number) or its MAC address`);
  return { devid: Number(name), name };
}
