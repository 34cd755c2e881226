// The program provider as a module of its own: Pulumi stores it as a require of this file (see
// providers/runtimeProvider.ts). Through the package index, so a provider process starts what
// loading the runtime starts (the watchdog, a rehearsal's resolver map).
import { dynamicProviderFor } from "..";
export = dynamicProviderFor("program");
