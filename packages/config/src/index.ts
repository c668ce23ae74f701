// Public entry of @sarra/config: the option table, loader, lint, credentials, derivations, expandVars.
export type { Options, Mask, BindingSpec, Diagnostic, OptionSpec, OptionKind, Origin, Env } from './types.js';
export { OPTIONS, COMPONENTS, CONSUMERS, PRODUCERS, DIRECTIVES, resolveOption, optionSpec, defaultsFor } from './options.js';
export { loadConfig, lintConfig, listConfigs, readConfig, configFile, formatDiagnostic, type LoadOptions } from './load.js';
export { newParseState, parseText, parseLine, type ParseState, type IncludeResolver } from './parse.js';
export { resolveOptions, checkOptions } from './resolve.js';
export { Credentials } from './credentials.js';
export { expandVars, strftime } from './expand.js';
export { showOptions } from './show.js';
export { pythonRegex } from './regex.js';
export {
  brokerUser, defaultExchange, subscribeExchange, postExchanges, splitIndex, defaultQueueName, bindingKeys, subscribeBindings,
} from './derive.js';
export { pluginOption, declaredOptions, type PluginOptions, type PluginOptionDecl } from './plugin-options.js';
export { callbackSettings } from './settings.js';
export { isModuleCallback } from './preflight.js';
export {
  NATIVE_CALLBACKS, builtinName, builtinPlugins, destfnScripts, importCallback, isBuiltinPlugin, isNativeCallback, pluginDir, sr3Name,
  type ImportedCallback,
} from './plugins.js';
export { pluginFate, pluginName, type PluginFate } from './v2-plugins.js';
export { BROKER_SCHEMES, TRANSFER_SCHEMES } from './schemes.js';
export { optionReference } from './reference.js';
export { optionsFromText } from './from-text.js';
export { nextRun, parseSchedule, type Schedule } from './schedule.js';
