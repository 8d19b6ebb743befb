# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, and etcd at the version k8s.io/kubernetes pins.
source ../lib.sh "$@"
version=$(required_version k8s.io/kubernetes)
date=$(module_time k8s.io/kubernetes "$version")
minor=${version#v1.}
minor=${minor%%.*}
# Stamp the version as hack/lib/version.sh does, so that clients see v1.x.y and not v0.0.0.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
done
go build -trimpath -ldflags "$ldflags" -o "$OUT/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
go build -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3
