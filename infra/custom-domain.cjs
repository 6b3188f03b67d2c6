/**
 * The optional custom domain of the HTTP API: with DOMAIN_NAME and CERTIFICATE_ARN (an ACM
 * certificate for that name in the stack's region) set at deploy time, an
 * AWS::ApiGatewayV2::DomainName and its ApiMapping to the API's $default stage; without them,
 * nothing. The `CustomDomainTarget` output is the name a DNS CNAME (or Route 53 alias) for
 * DOMAIN_NAME must point at. ISSUER defaults to https://$DOMAIN_NAME (serverless.yml).
 *
 *   ${file(infra/custom-domain.cjs):resources}
 */
'use strict';

function resources() {
  const domainName = process.env.DOMAIN_NAME ?? '';
  const certificateArn = process.env.CERTIFICATE_ARN ?? '';
  if (!domainName && !certificateArn) return {};
  if (!domainName || !certificateArn) {
    throw new Error('DOMAIN_NAME and CERTIFICATE_ARN go together: set both for a custom domain (README "Deploy"), or neither');
  }
  return {
    Resources: {
      CustomDomainName: {
        Type: 'AWS::ApiGatewayV2::DomainName',
        Properties: {
          DomainName: domainName,
          DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
        },
      },
      CustomDomainApiMapping: {
        Type: 'AWS::ApiGatewayV2::ApiMapping',
        Properties: { DomainName: { Ref: 'CustomDomainName' }, ApiId: { Ref: 'HttpApi' }, Stage: { Ref: 'HttpApiStage' } },
      },
    },
    Outputs: {
      CustomDomainTarget: {
        Description: `Point a CNAME (or Route 53 alias) for ${domainName} at this name`,
        Value: { 'Fn::GetAtt': ['CustomDomainName', 'RegionalDomainName'] },
      },
    },
  };
}

module.exports = { resources };
