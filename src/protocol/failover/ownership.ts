// Address ownership for the failover engine. The rule is a pure function of the site
// config, kept in src/config (layer 1) because the config checks use it too; the
// engine imports it from here.
export { ownedRange, primaryCount, primaryShare, spanSize, type AddressSpan } from '../../config/failover-ownership.js';
