// An ApplicationLoadBalancedFargateService, as the CDK's own guide writes it.
const cdk = require('aws-cdk-lib');
const ecs = require('aws-cdk-lib/aws-ecs');
const logs = require('aws-cdk-lib/aws-logs');
const patterns = require('aws-cdk-lib/aws-ecs-patterns');

const app = new cdk.App();
const stack = new cdk.Stack(app, 'EchoSingle', { env: { account: '123456789012', region: 'us-east-1' } });
// A nested stack owns the log group: its TemplateURL is a file asset of the assembly.
const shared = new cdk.NestedStack(stack, 'Shared');
const logGroup = new logs.LogGroup(shared, 'WebLogs', { retention: logs.RetentionDays.ONE_WEEK });
const svc = new patterns.ApplicationLoadBalancedFargateService(stack, 'Web', {
  taskImageOptions: {
    image: ecs.ContainerImage.fromRegistry('ecsdev/echo:latest'),
    containerPort: 8080,
    logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'web', logGroup }),
  },
  desiredCount: 2,
  publicLoadBalancer: true,
});
svc.targetGroup.configureHealthCheck({ path: '/health', interval: cdk.Duration.seconds(5), timeout: cdk.Duration.seconds(2), healthyThresholdCount: 2 });
app.synth();
