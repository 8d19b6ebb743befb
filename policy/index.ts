import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("dsm-redis-policies", { policies });
