/**
 * AWS Secrets Manager: references in stack config resolved at run time, and generated secrets
 * (signing secrets) written there so state keeps only an ARN, a version id and a fingerprint.
 */
export * from "./errors";
export * from "./fingerprint";
export * from "./references";
export * from "./client";
export * from "./resolve";
export * from "./sink";
export * from "./naming";
