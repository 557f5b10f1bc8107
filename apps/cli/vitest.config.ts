import { sdProject } from '../../vitest.shared.ts'

export default sdProject('cli')
