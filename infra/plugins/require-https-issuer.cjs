/**
 * Refuses to package or deploy a stage whose ISSUER is not an https URL. serverless.yml's
 * default (http://localhost:3000, for the local stack) would otherwise reach AWS whenever a
 * deploy forgets ISSUER, and lib/config.ts would refuse it only at the first request. A package
 * is only ever for AWS, so this holds for every stage; `osls offline` never packages, so the
 * local stack keeps its http issuer.
 *
 * With a custom domain (DOMAIN_NAME, infra/custom-domain.cjs) and no ISSUER, the issuer is
 * https://$DOMAIN_NAME: set here, before the functions' environment is compiled, because
 * serverless.yml's variables cannot choose between two defaults.
 */
'use strict';

class RequireHttpsIssuer {
  constructor(serverless) {
    this.serverless = serverless;
    const check = () => this.check();
    this.hooks = {
      // `deploy` packages through the same lifecycle; `deploy function` packages on its own.
      'before:package:initialize': check,
      'before:deploy:function:initialize': check,
    };
  }

  check() {
    const environment = this.serverless.service.provider.environment ?? {};
    if (process.env.ISSUER === undefined && process.env.DOMAIN_NAME) environment.ISSUER = `https://${process.env.DOMAIN_NAME}`;
    const issuer = environment.ISSUER ?? '';
    if (isHttpsUrl(issuer)) return;
    throw new this.serverless.classes.Error(
      `ISSUER must be the https URL the stage is served at, got "${issuer}": set ISSUER (or DOMAIN_NAME) when packaging or deploying, e.g. ISSUER=https://id.example.com`,
    );
  }
}

function isHttpsUrl(value) {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

module.exports = RequireHttpsIssuer;
