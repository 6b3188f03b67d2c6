/**
 * Where the two-factor pages live. Apart from the pages themselves (two-factor.ts), whose QR code
 * brings a PNG and QR encoder along: /authorize's step-up links here and should not bundle them.
 */
export const TWO_FACTOR_SECTION_ID = 'two-factor';
export const TWO_FACTOR_ENROL_PATH = '/account/two-factor/enrol';
export const TWO_FACTOR_RECOVERY_CODES_PATH = '/account/two-factor/recovery-codes';
export const TWO_FACTOR_DISABLE_PATH = '/account/two-factor/disable';
export const ACCOUNT_TWO_FACTOR_HREF = `/account#${TWO_FACTOR_SECTION_ID}`;
