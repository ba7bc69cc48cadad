// Two services behind one ALB with path rules; one image is a Docker image asset.
const path = require('path');
const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');

const app = new cdk.App();
const stack = new cdk.Stack(app, 'TwoServices');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
const listener = alb.addListener('Http', {
  port: 80,
  defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'no route' }),
});
const images = {
  alpha: ecs.ContainerImage.fromAsset(path.join(__dirname, 'web')),
  bravo: ecs.ContainerImage.fromRegistry('ecsdev/echo:latest'),
};
let priority = 10;
for (const name of ['alpha', 'bravo']) {
  const td = new ecs.FargateTaskDefinition(stack, `${name}Task`, { cpu: 256, memoryLimitMiB: 512 });
  td.addContainer('app', {
    image: images[name],
    portMappings: [{ containerPort: 8080 }],
    environment: { SERVICE: name },
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: name }),
  });
  const service = new ecs.FargateService(stack, `${name}Service`, { cluster, taskDefinition: td, desiredCount: 1 });
  listener.addTargets(`${name}Targets`, {
    port: 8080,
    priority,
    conditions: [elbv2.ListenerCondition.pathPatterns([`/${name}/*`])],
    targets: [service],
    healthCheck: { path: `/${name}/health`, interval: cdk.Duration.seconds(5), timeout: cdk.Duration.seconds(2), healthyThresholdCount: 2 },
    deregistrationDelay: cdk.Duration.seconds(5),
  });
  priority += 10;
}
app.synth();
