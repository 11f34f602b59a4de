// Stands in for the `webgpu` npm package inside the GPU-check bundle (scripts/gpu-check/prepare.ts):
// the package finds dawn.node beside its own files, which a bundle does not have; the check is told
// where the carried dawn.node is by FRESHCACHE_DAWN_NODE. dawn.node exports { create, globals }.
'use strict';
const file = process.env.FRESHCACHE_DAWN_NODE;
if (!file) throw new Error('FRESHCACHE_DAWN_NODE is not set: it names the dawn.node that scripts/gpu-check.sh unpacked');
module.exports = require(file);
