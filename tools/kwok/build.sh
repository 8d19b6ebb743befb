# kwok: fake nodes and pods that report Running and Ready without containers, and the stages that drive them.
source ../lib.sh "$@"
go build -trimpath -ldflags "-s -w" -o "$OUT/" sigs.k8s.io/kwok/cmd/kwok
# The stage definitions kwok needs (it refuses to start without them) ship in its module, not in the binary.
stages=$(module_dir sigs.k8s.io/kwok)/kustomize/stage
mkdir -p "$OUT/stages"
for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    cp "$stages/$stage.yaml" "$OUT/stages/"
done
chmod u+w "$OUT/stages/"*
