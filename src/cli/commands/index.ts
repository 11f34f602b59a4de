import type { Command } from '../command';
import { backendCommand } from './backend';
import { startCommand } from './start';
import { trainCommand } from './train';
import { evaluateCommand } from './evaluate';
import { plotCommand } from './plot';
import { buildCacheCommand } from './build-cache';
import { mergeCacheCommand } from './merge-cache';
import { cacheInfoCommand } from './cache-info';
import { searchCommand } from './search';
import { fitCorrectorCommand } from './fit-corrector';
import { boundCommand } from './bound';
import { syntheticCommand } from './synthetic';
import { dataCommand } from './data';
import { reproduceCommand } from './reproduce';
import { benchCommand } from './bench';

/**
 * Every CLI command, in the order `freshcache --help` lists them. Add new commands here.
 * `Command<any>`: each `run` takes the values of its own flag table (main.ts parses them with that
 * table), which TypeScript cannot relate to a generic OptionTable's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Command<any>[] = [startCommand, trainCommand, backendCommand, evaluateCommand, plotCommand, buildCacheCommand, mergeCacheCommand, cacheInfoCommand, searchCommand, fitCorrectorCommand, boundCommand, syntheticCommand, dataCommand, reproduceCommand, benchCommand];
