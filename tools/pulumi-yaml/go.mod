module dsm-redis/tools/pulumi-yaml

go 1.26.6

require github.com/pulumi/pulumi-yaml v1.38.1 // indirect
