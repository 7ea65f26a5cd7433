export * from './auth';
export * from './audit';
export * from './cycles';
export * from './surveys';
export * from './scores';
export * from './invitations';
export * from './fraud';
export * from './feedback';
