/**
 * What `npm run cost` prices: each operation as the measured steps of bench/flow-calls.ts it takes
 * (page views included), and the monthly usage of one active user.
 */
import type { FlowKey } from '../flow-calls.js';

export interface StepRef {
  flow: FlowKey;
  label: string;
}

const fromApp = (label: string): StepRef => ({ flow: 'authorizationCode', label });
const fromSignIn = (label: string): StepRef => ({ flow: 'signIn', label });
const fromRegistration = (label: string): StepRef => ({ flow: 'registration', label });

/**
 * An application sends the user to /authorize, which finds no session and sends them to /login,
 * whose script asks for passkey options (a challenge) where the browser offers passkeys in autofill.
 */
const ARRIVAL = [fromApp('GET  /authorize  no session'), fromApp('GET  /login?return_to=/authorize..'), fromApp('POST /passkeys/sign-in/options  autofill')];

export const OPERATIONS = {
  'password sign-in': [...ARRIVAL, fromApp('POST /login  password')],
  /** From the login page to "email me a code": the code page, the address, the code (one mail). */
  'code sign-in': [...ARRIVAL, fromSignIn('GET  /login/code'), fromSignIn('POST /login/code  email'), fromSignIn('POST /login/code  code')],
  /** The registration pages, one mail. */
  registration: [
    fromRegistration('GET  /register'),
    fromRegistration('POST /register  email'),
    fromRegistration('POST /register  code'),
    fromRegistration('POST /register  name + password'),
  ],
  /** Back from sign-in: /authorize issues the code, the application redeems it. */
  'code exchange': [fromApp('GET  /authorize  session -> code'), fromApp('POST /token  authorization_code')],
  refresh: [fromApp('POST /token  refresh_token')],
} as const satisfies Record<string, readonly StepRef[]>;

export type Operation = keyof typeof OPERATIONS;

/**
 * One monthly active user: four sign-ins (three with a password, one with a mailed code), each
 * ending in a code exchange; an access token lasting an hour renewed about four times a day
 * (120 refreshes); one user in twenty registering that month.
 */
export const USAGE_PROFILE: Record<Operation, number> = {
  'password sign-in': 3,
  'code sign-in': 1,
  registration: 0.05,
  'code exchange': 4,
  refresh: 120,
};
