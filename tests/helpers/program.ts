/** The mock harness lives with the scripts: `npm run check-policies` runs the program under the same mocks. */
export * from "../../ops/lib/mock-program";
