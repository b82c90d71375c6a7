a = <<EOT
x ${y}
EOT
b = [for k, v in m : k => v...]
c = { for x in l : x => x if x != "" }
d = "%{ if a }x%{ else }y%{ endif }"
e = !true && -1 >= 2 || f(g...) ? h[*].i : j.*.k
/* c */ # d
// e
