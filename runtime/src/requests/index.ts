/** Request bodies' field rules and the declarations derived from them (see ./declarations.ts). */
export * from "./fields";
export * from "./camelCase";
export * from "./declarations";
