export * from './auth';
export * from './audit';
export * from './cycles';
export * from './surveys';
