// Loaded by tests with `node --require` where no small file system can be mounted: makes the file
// system under FRESHCACHE_FS_FAULT_DIR behave as full (ENOSPC: writes fail, with no path, as the
// kernel's do), read-only (EROFS) or forbidden (EACCES: creating or opening for writing fails).
'use strict';
const fs = require('fs');
const path = require('path');
const code = process.env.FRESHCACHE_FS_FAULT;
const dir = path.resolve(process.env.FRESHCACHE_FS_FAULT_DIR || '/nonexistent');
const text = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied' };
const errno = { ENOSPC: -28, EROFS: -30, EACCES: -13 };
const under = (p) => typeof p === 'string' && (path.resolve(p) + '/').startsWith(dir + '/');
const fail = (syscall, p) => Object.assign(new Error(`${code}: ${text[code]}, ${syscall}${p ? ` '${p}'` : ''}`), { errno: errno[code], code, syscall, ...(p ? { path: p } : {}) });
const writing = (flags) => flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY;
const faultFds = new Set();
const { openSync, writeSync, mkdirSync, writeFileSync, renameSync } = fs;
fs.openSync = function (p, flags, mode) {
  if (under(p) && writing(flags) && code !== 'ENOSPC') throw fail('open', p);
  const fd = openSync.call(fs, p, flags, mode);
  if (under(p) && code === 'ENOSPC') faultFds.add(fd);
  return fd;
};
fs.writeSync = function (fd, ...rest) {
  if (faultFds.has(fd)) throw fail('write');
  return writeSync.call(fs, fd, ...rest);
};
fs.mkdirSync = function (p, opts) {
  if (under(p) && code !== 'ENOSPC' && !fs.existsSync(p)) throw fail('mkdir', p);
  return mkdirSync.call(fs, p, opts);
};
fs.writeFileSync = function (p, ...rest) {
  if (under(p)) throw fail(code === 'ENOSPC' ? 'write' : 'open', code === 'ENOSPC' ? undefined : p);
  return writeFileSync.call(fs, p, ...rest);
};
fs.renameSync = function (a, b) {
  if (under(b) && code !== 'ENOSPC') throw fail('rename', a);
  return renameSync.call(fs, a, b);
};
