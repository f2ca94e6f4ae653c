import { Field, ObjectType, buildSchemaSync, Query, Resolver } from 'type-graphql';

@ObjectType()
class Probe {
  @Field()
  name!: string;
}

@Resolver()
class ProbeResolver {
  @Query(() => Probe)
  probe(): Probe {
    return { name: 'x' };
  }
}

test('type-graphql reflection works under the test transform', () => {
  const schema = buildSchemaSync({ resolvers: [ProbeResolver], validate: false });
  expect(schema.getQueryType()?.getFields().probe).toBeDefined();
});
