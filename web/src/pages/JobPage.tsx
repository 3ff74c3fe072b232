import { A, useParams } from "@solidjs/router";
import { JobDetailView } from "../components/JobDetailView";

export function JobPage() {
  const params = useParams<{ id: string }>();
  return (
    <section class="page">
      <nav class="breadcrumb"><A href="/">Jobs</A> / <span class="mono">{params.id}</span></nav>
      <JobDetailView jobId={params.id} />
    </section>
  );
}
