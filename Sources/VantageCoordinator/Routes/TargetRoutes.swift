import Hummingbird
import VantageCore

/// `/v1/targets/{id}[/history|/approvals|/approve]` for GET, POST and DELETE. One catch-all route per method, because a
/// target id may arrive as one `%2F`-encoded segment or with literal slashes (see ``TargetPath``).
struct TargetRoutes: Sendable {
    let queries: QueryController
    let admin: AdminController

    func add(to router: Router<BasicRequestContext>) {
        let prefix = APIPath.targets + "/"
        router.get("\(APIPath.targets)/**") { request, _ in
            let path = try TargetPath(path: request.uri.path, prefix: prefix, actions: ["history", "approvals"])
            if path.action == "approvals" { return try await queries.approvals(path.id) }
            return try await queries.target(path.id, history: path.action == "history")
        }
        router.delete("\(APIPath.targets)/**") { request, _ in
            let path = try TargetPath(path: request.uri.path, prefix: prefix, actions: [])
            return try await admin.remove(request, id: path.id)
        }
        router.post("\(APIPath.targets)/**") { request, _ in
            let path = try TargetPath(path: request.uri.path, prefix: prefix, actions: ["approve"])
            guard path.action == "approve" else { throw CoordinatorError(.notFound, "no such route") }
            return try await admin.approve(request, id: path.id)
        }
    }
}
