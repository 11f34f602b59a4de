import type { Command } from '../command';
import { backendCommand } from './backend';

/** Every CLI command, in the order `freshcache --help` lists them. Add new commands here. */
export const commands: Command[] = [backendCommand];
