export * from "../../ops/lib/mocks";
