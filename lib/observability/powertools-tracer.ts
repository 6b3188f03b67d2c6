/**
 * The Powertools Tracer, loaded only when tracing is built in (tracing.ts). Manual instrumentation
 * rather than the Middy middleware or the class decorator: the handlers are plain functions
 * wrapped by lib/http's `page()`/`api()`, which is where the invocation frame already is.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './service.js';

const tracer = new Tracer({ serviceName: SERVICE_NAME });

export function captureAwsClient<T extends object>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

export async function traceInvocation<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const parent = tracer.getSegment();
  const segment = parent?.addNewSubsegment(`## ${name}`);
  if (segment) tracer.setSegment(segment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await fn();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    segment?.close();
    if (parent) tracer.setSegment(parent);
  }
}
