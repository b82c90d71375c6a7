variable "region" {
  type = string
}

variable "multi_region" {
  type    = bool
  default = true
}
