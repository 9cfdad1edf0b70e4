export declare function isCI(env?: NodeJS.ProcessEnv): boolean;
