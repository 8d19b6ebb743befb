export * from "../../scripts/lib/mocks";
